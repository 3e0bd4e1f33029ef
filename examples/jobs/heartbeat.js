// A module handler: the default export gets the job context and returns a summary,
// which is stored with the run.
export default async function heartbeat(ctx) {
  const beatAt = new Date().toISOString();
  ctx.log.info({ beatAt }, 'heartbeat');
  return { beatAt, attempt: ctx.attempt };
}
