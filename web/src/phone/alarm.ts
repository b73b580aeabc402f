// Sound and vibration while an offer waits for an answer: a two-tone chime every 1.5 s
// (Web Audio, no sound file to download) and a vibration pattern, until answered.
let ctx: AudioContext | null = null;
let timer: number | null = null;
let rings = 0;

export const alarmRings = (): number => rings;

function chime(): void {
  rings++;
  navigator.vibrate?.([400, 200, 400]);
  try {
    ctx ??= new AudioContext();
    for (const [i, f] of [880, 660].entries()) {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.frequency.value = f;
      gain.gain.value = 0.25;
      osc.connect(gain).connect(ctx.destination);
      osc.start(ctx.currentTime + i * 0.25);
      osc.stop(ctx.currentTime + i * 0.25 + 0.2);
    }
  } catch {
    // No audio (a browser that forbids it before a touch): the vibration still tells.
  }
}

export function startAlarm(): void {
  if (timer !== null) return;
  chime();
  timer = window.setInterval(chime, 1500);
}

export function stopAlarm(): void {
  if (timer !== null) clearInterval(timer);
  timer = null;
  navigator.vibrate?.(0);
}
