// @database-independent
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/server/config.js';

// PORT went through Number() alone: "" or " " (an empty line in an env file) became port 0, a random port,
// and "0x10" or "1e3" were taken. It now reads like every other integer setting.
describe('PORT', () => {
  it('unset or empty: 4000; decimal digits: that port; anything else is refused', () => {
    expect(loadConfig({}).port).toBe(4000);
    expect(loadConfig({ PORT: '' }).port).toBe(4000);
    expect(loadConfig({ PORT: '  ' }).port).toBe(4000);
    expect(loadConfig({ PORT: '0' }).port).toBe(0);
    expect(loadConfig({ PORT: ' 8080\n' }).port).toBe(8080);
    for (const bad of ['0x10', '1e3', '+80', '-1', '80.0', '65536', '\u0668\u0660', 'http']) {
      expect(() => loadConfig({ PORT: bad }), JSON.stringify(bad)).toThrow('PORT must be a port number');
    }
  });
});
