import { dropTemplate, prepareTemplate } from './helpers/databases.js';

export async function mochaGlobalSetup(): Promise<void> {
  await prepareTemplate();
}

export async function mochaGlobalTeardown(): Promise<void> {
  await dropTemplate();
}
