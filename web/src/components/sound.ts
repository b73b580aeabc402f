// Two sounds made with WebAudio (no sound file to ship): a rising two-tone chime for a
// new incident, and a lower falling three-tone call for a change that needs someone
// (escalated, returned, a yellow card, a grid flagged), so the room can tell them apart.
let ctx: AudioContext | null = null;
/** Sounds so far (the browser tests read them; headless has no speakers). */
export let chimes = 0;
export let attentions = 0;

function play(freqs: number[], step: number): void {
  try {
    ctx ??= new AudioContext();
    const now = ctx.currentTime;
    for (const [i, freq] of freqs.entries()) {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, now + i * step);
      gain.gain.exponentialRampToValueAtTime(0.3, now + i * step + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, now + i * step + step - 0.02);
      osc.connect(gain).connect(ctx.destination);
      osc.start(now + i * step);
      osc.stop(now + i * step + step - 0.01);
    }
  } catch {
    // No audio device: the toast and the flashing row remain.
  }
}

export function chime(): void {
  chimes++;
  play([880, 1320], 0.18);
}

export function attention(): void {
  attentions++;
  play([660, 520, 390], 0.24);
}
