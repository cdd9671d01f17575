/*
 * The worker side of examples/pipeline.ts: gets a job, puts its result, tells the job queue it is
 * done; returns when the job queue is shut down. A worker may block, so it uses get() and put().
 */

import { type Queue, ShutDown } from 'weft-threading';

export default function pipelineWorker(jobs: Queue<string>, results: Queue<[string, number]>): void {
  for (;;) {
    let word: string;
    try {
      word = jobs.get(); // blocks this worker until there is a job
    } catch (error) {
      if (error instanceof ShutDown) return; // shut down and drained
      throw error;
    }
    results.put([word, word.length]);
    jobs.taskDone();
  }
}
