// Bare Temporal: a workflow that does nothing but count the signals it receives.
import { condition, defineSignal, proxySinks, setHandler, type Sinks } from '@temporalio/workflow';

export interface CounterSinks extends Sinks {
  counter: { received(): void };
}

export const count = defineSignal('count');
const { counter } = proxySinks<CounterSinks>();

export async function countingWorkflow(): Promise<void> {
  setHandler(count, () => counter.received());
  await condition(() => false);
}
