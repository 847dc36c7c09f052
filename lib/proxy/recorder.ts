/**
 * The relay's recorder over a provider's reply observer (`@llmtrace/sdk/providers`, the same
 * reading the SDK's client wrappers use): a JSON body goes to `reply`, each event's parsed data to
 * `event`, and events are passed on as they came, marked `output` when they carried some.
 */
import type { Observation, ReplyObserver } from '@llmtrace/sdk/providers';
import { eventJson } from './fields';
import type { EventVerdict, ResponseRecorder, SseEvent } from './types';

export class ObservedReply implements ResponseRecorder {
  constructor(protected readonly observer: ReplyObserver) {}

  json(body: unknown): void {
    this.observer.reply(body);
  }

  event(event: SseEvent, _rawText: () => string): EventVerdict {
    return this.observer.event(eventJson(event.data), event.event) ? 'output' : 'pass';
  }

  observation(): Observation {
    return this.observer.observation();
  }
}
