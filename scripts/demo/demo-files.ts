// Secrets the demo seed hands to the demo's simulators (each is shown only once by the API).
export const DEMO_PHONE_TOKENS = 'var/demo-phone-tokens.json';
export const DEMO_OPEN311_KEY = 'var/demo-open311-key.txt';
