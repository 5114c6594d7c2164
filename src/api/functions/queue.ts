/**
 * Registers the work-item queue trigger. The host decodes the base64 message, retries a failed
 * one with its dequeueCount, and moves it to `{queue}-poison` after 5 attempts (host.json).
 */
import { app } from '@azure/functions';
import { sharedServices } from '../services';
import { processWorkItem } from '../worker/process-work-item';

app.storageQueue('work-items', {
  queueName: process.env.RETRACT_QUEUE ?? 'retract-work',
  connection: 'RETRACT_STORAGE',
  handler: (entry, context) => processWorkItem(sharedServices(), entry, context),
});
