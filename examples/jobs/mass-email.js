// Sends `data.batch` messages (simulated), reporting progress and honouring `ctx.signal`
// so that a timeout or a forced stop ends it cleanly.
export default async function sendMassEmail(ctx) {
  const batch = Number(ctx.data.batch ?? 100);
  let sent = 0;
  for (let i = 0; i < batch; i++) {
    if (ctx.signal.aborted) throw new Error(`stopped after ${sent} of ${batch} messages`);
    await new Promise((resolve) => setTimeout(resolve, 10));
    sent++;
    if (sent % 25 === 0) await ctx.progress(Math.round((sent / batch) * 100));
  }
  return { sent };
}
