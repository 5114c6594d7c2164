// Retract's Azure resources: the API as a Function App (Node 20, Linux, Flex Consumption) with a
// system-assigned managed identity, its Storage account (Tables for lookups, jobs, settings and
// the audit; a Queue of work items), Application Insights, and a Key Vault holding the app
// registration's credential and the storage connection string, which the Function App reads
// through Key Vault references with its managed identity. HTTPS only, TLS 1.2 at least.
//
// Deploy: az deployment group create -g RG -f infra/main.bicep -p infra/main.parameters.json
// (see infra/README.md and docs/deploy.md). Not compiled here: the Bicep CLI is a binary that
// this machine cannot download; tests/unit/manifest/infra-template.test.ts checks its text.

targetScope = 'resourceGroup'

@description('Azure region of every resource.')
param location string = resourceGroup().location

@description('Short prefix of resource names (lower-case letters and digits).')
@minLength(3)
@maxLength(11)
param namePrefix string = 'retract'

@description('Entra tenant id of the organisation (RETRACT_TENANT_ID).')
param tenantId string = subscription().tenantId

@description('Application (client) id of the retract-api app registration (RETRACT_CLIENT_ID).')
@minLength(36)
@maxLength(36)
param clientId string

@description('Host (and port, if any) where the task pane site is served, e.g. retract.contoso.com: the API identifier URI is api://{host}/{clientId}, and CORS allows https://{host}.')
param taskpaneHost string

@description('Tenant ids whose tokens the API accepts, comma-separated (RETRACT_ALLOWED_TENANTS); empty means the tenant above only.')
param allowedTenants string = ''

@description('Name of the Key Vault secret that holds the app registration\'s client secret; you add it after deployment (docs/deploy.md).')
param clientSecretName string = 'retract-api-client-secret'

@description('Largest number of instances the Function App scales out to.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

var suffix = uniqueString(resourceGroup().id, namePrefix)
var storageName = take('${namePrefix}${suffix}', 24)
var vaultName = take('${namePrefix}-kv-${suffix}', 24)
var appName = '${namePrefix}-api-${suffix}'
var deploymentContainer = 'app-package'
var workQueue = 'retract-work'
// The tables the API uses (src/api/storage/clients.ts); it also creates them when missing.
var tableNames = [
  'RetractLookups'
  'RetractJobs'
  'RetractTargets'
  'RetractSettings'
  'RetractAudit'
  'RetractAuditOutcomes'
  'RetractAccessFolds'
]

// Built-in role definition ids (the same in every tenant).
var roles = {
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: storageName
  location: location
  sku: { name: 'Standard_LRS' }
  kind: 'StorageV2'
  properties: {
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    allowBlobPublicAccess: false
    // The API (and its queue trigger) connect with the connection string kept in Key Vault.
    allowSharedKeyAccess: true
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource packageContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deploymentContainer
}

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource tables 'Microsoft.Storage/storageAccounts/tableServices/tables@2023-05-01' = [for table in tableNames: {
  parent: tableService
  name: table
}]

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource queues 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = [for queue in [workQueue, '${workQueue}-poison']: {
  parent: queueService
  name: queue
}]

resource logs 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: '${namePrefix}-logs-${suffix}'
  location: location
  properties: {
    sku: { name: 'PerGB2018' }
    retentionInDays: 30
  }
}

resource insights 'Microsoft.Insights/components@2020-02-02' = {
  name: '${namePrefix}-insights-${suffix}'
  location: location
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logs.id
  }
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: vaultName
  location: location
  properties: {
    tenantId: tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: true
    publicNetworkAccess: 'Enabled'
  }
}

resource storageSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'retract-storage'
  properties: {
    value: 'DefaultEndpointsProtocol=https;AccountName=${storage.name};AccountKey=${storage.listKeys().keys[0].value};EndpointSuffix=${environment().suffixes.storage}'
    contentType: 'Azure Storage connection string'
  }
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: '${namePrefix}-plan-${suffix}'
  location: location
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true // Linux
  }
}

resource api 'Microsoft.Web/sites@2024-04-01' = {
  name: appName
  location: location
  kind: 'functionapp,linux'
  identity: { type: 'SystemAssigned' }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: 'SystemAssigned'
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainer}'
          authentication: { type: 'SystemAssignedIdentity' }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: 2048
      }
      runtime: {
        name: 'node'
        version: '20'
      }
    }
    siteConfig: {
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
      cors: {
        allowedOrigins: [ 'https://${taskpaneHost}' ]
        supportCredentials: false
      }
      appSettings: [
        // The Functions host's own storage, through the managed identity.
        { name: 'AzureWebJobsStorage__accountName', value: storage.name }
        { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: insights.properties.ConnectionString }
        // CONTRACTS.md §2: the same names as locally.
        { name: 'RETRACT_TENANT_ID', value: tenantId }
        { name: 'RETRACT_CLIENT_ID', value: clientId }
        { name: 'RETRACT_CLIENT_SECRET', value: '@Microsoft.KeyVault(VaultName=${vault.name};SecretName=${clientSecretName})' }
        { name: 'RETRACT_AUTHORITY_HOST', value: 'https://login.microsoftonline.com' }
        { name: 'RETRACT_GRAPH_BASE', value: 'https://graph.microsoft.com/v1.0' }
        { name: 'RETRACT_EXCHANGE_BASE', value: 'https://outlook.office365.com' }
        { name: 'RETRACT_STORAGE', value: '@Microsoft.KeyVault(VaultName=${vault.name};SecretName=${storageSecret.name})' }
        { name: 'RETRACT_ALLOWED_TENANTS', value: empty(allowedTenants) ? tenantId : allowedTenants }
        { name: 'RETRACT_API_IDENTIFIER_URI', value: 'api://${taskpaneHost}/${clientId}' }
        { name: 'RETRACT_QUEUE', value: workQueue }
        // The task pane's origin may call the API from the browser (the platform's CORS above
        // answers preflights for the same origin; the API adds its own headers to answers).
        { name: 'RETRACT_ALLOWED_ORIGINS', value: 'https://${taskpaneHost}' }
        // A new job and an undo re-read the caller's app role assignments in Entra ID (needs Directory.Read.All).
        { name: 'RETRACT_ROLE_CHECK', value: 'directory' }
      ]
    }
  }
}

resource vaultSecretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: vault
  name: guid(vault.id, api.id, roles.keyVaultSecretsUser)
  properties: {
    principalId: api.identity.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
  }
}

// The Functions host keeps its keys and leases in blobs and reads the deployment package;
// the queue trigger and the tables are reached with the connection string.
resource storageRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for role in [roles.storageBlobDataOwner, roles.storageQueueDataContributor, roles.storageTableDataContributor]: {
  scope: storage
  name: guid(storage.id, api.id, role)
  properties: {
    principalId: api.identity.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
  }
}]

output functionAppName string = api.name
output apiBaseUrl string = 'https://${api.properties.defaultHostName}/api'
output keyVaultName string = vault.name
output storageAccountName string = storage.name
output principalId string = api.identity.principalId
