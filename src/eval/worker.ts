/** Piscina worker for evaluation episodes: one EpisodeRunner (env + checkpoint caches) per thread. */
import type { EpisodeRecord } from "./aggregate.ts";
import { EpisodeRunner, type EpisodeJob } from "./episode.ts";

const runner = new EpisodeRunner();

export default function run(job: EpisodeJob): Promise<EpisodeRecord> {
  return runner.run(job);
}
