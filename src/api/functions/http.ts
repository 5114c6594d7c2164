/**
 * Registers every HTTP route with the Azure Functions host (route prefix `api`). Anonymous at the
 * platform level: the API checks each bearer token itself.
 */
import { app } from '@azure/functions';
import { ROUTES } from '../routes';
import { runRoute } from '../http/route';
import { sharedServices } from '../services';

for (const def of ROUTES) {
  app.http(def.name, {
    methods: def.methods,
    route: def.route,
    authLevel: 'anonymous',
    handler: (request, context) => runRoute(def, sharedServices(), request, context),
  });
}
