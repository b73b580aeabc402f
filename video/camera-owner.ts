// Live video is for the command room; an installer may watch only the cameras they
// registered (to check the picture while putting one up).
import type { AuthContext } from '../platform/auth/auth-context.js';
import { Forbidden } from '../platform/errors.js';

export function assertInstalledBy(auth: AuthContext, camera: { name: string; registeredBy: number | null }): void {
  if (camera.registeredBy === null || camera.registeredBy !== auth.me.id) {
    throw new Forbidden(`Only the command room, or the installer who registered ${camera.name}, watches it`);
  }
}
