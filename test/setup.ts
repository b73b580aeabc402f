import { prepareTemplate } from './helpers/databases.js';

export async function mochaGlobalSetup(): Promise<void> {
  await prepareTemplate();
}
