import { describe, expect, test } from '@jest/globals';
import { DeliveredMessages } from '../../../lib/adapters/got/delivered-messages.js';

describe('DeliveredMessages: what a message stream keeps for partialOutput', () => {
  test('every message while they fit, oldest first, and the count', () => {
    const delivered = new DeliveredMessages(100);
    for (let i = 0; i < 5; i++) delivered.add({ i }, 10);
    expect(delivered.partialOutput()).toEqual([0, 1, 2, 3, 4].map((i) => ({ i })));
    expect(delivered.count).toBe(5);
  });

  test('past the bound, the newest that fit: the oldest go first', () => {
    const delivered = new DeliveredMessages(100);
    for (let i = 0; i < 50_000; i++) delivered.add(i, 30);
    expect(delivered.partialOutput()).toEqual([49_997, 49_998, 49_999]);
    expect(delivered.count).toBe(50_000);
  });

  test('the last message is kept whatever its size', () => {
    const delivered = new DeliveredMessages(100);
    delivered.add('small', 10);
    delivered.add('huge', 1_000);
    expect(delivered.partialOutput()).toEqual(['huge']);
    delivered.add('next', 10);
    expect(delivered.partialOutput()).toEqual(['next']);
  });
});
