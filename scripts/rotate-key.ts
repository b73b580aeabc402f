// `npm run rotate-key`: re-seals the camera credentials under a new SECRET_KEY.
//   SECRET_KEY=<current> NEW_SECRET_KEY=<new, 64 hex> npm run rotate-key
// Stop the api and workers first (they hold the old key), then start them with
// SECRET_KEY=<new>. One transaction: on any error nothing changed.
import { configOrExit } from '../platform/config.js';
import { createPool } from '../platform/db/pool.js';
import { DEVELOPMENT_SECRET_KEY } from '../accounts/production-guard.js';
import { KeyRotationError, rotateSecretKey } from '../video/key-rotation.js';

async function main(): Promise<number> {
  const cfg = configOrExit();
  const next = process.env['NEW_SECRET_KEY'] ?? '';
  if (!/^[0-9a-f]{64}$/i.test(next)) {
    console.error('NEW_SECRET_KEY must be 64 hex characters (openssl rand -hex 32); SECRET_KEY is the current key.');
    return 2;
  }
  if (next.toLowerCase() === DEVELOPMENT_SECRET_KEY) {
    console.error('NEW_SECRET_KEY is the public development key; choose your own (openssl rand -hex 32).');
    return 2;
  }
  const db = createPool(cfg.DATABASE_URL, 1);
  try {
    const result = await rotateSecretKey(db, cfg.SECRET_KEY, next);
    console.log(
      `Re-sealed ${result.resealed} camera credential(s) under the new key (fingerprint ${result.newKeyFingerprint}); ` +
        `${result.alreadyNew} already were. Start every process with SECRET_KEY set to the new key.`,
    );
    return 0;
  } catch (err) {
    if (err instanceof KeyRotationError) {
      console.error(`Key rotation refused: ${err.message}`);
      return 1;
    }
    throw err;
  } finally {
    await db.end();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
