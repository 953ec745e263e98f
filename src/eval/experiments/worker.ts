/** Piscina worker for adaptation-experiment episodes: one AdaptationRunner (env + checkpoint caches) per thread. */
import { AdaptationRunner, type AdaptationEpisode, type AdaptationJob } from "./adaptation-episode.ts";

const runner = new AdaptationRunner();

export default function run(job: AdaptationJob): Promise<AdaptationEpisode> {
  return runner.run(job);
}
