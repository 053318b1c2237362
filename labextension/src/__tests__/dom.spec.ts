import {
  formatBytes,
  formatEnvironmentValue,
  formatValue,
  fullValue
} from '../widgets/dom';

describe('values shown in the sidebar', () => {
  it('keeps six significant digits of a metric, the whole value for its tooltip', () => {
    expect(formatValue(0.123456789)).toBe('0.123457');
    expect(formatValue(12345.6789)).toBe('12345.7');
    expect(formatValue(1.5)).toBe('1.5');
    expect(formatValue(42)).toBe('42');
    expect(formatValue(Infinity)).toBe('Infinity');
    expect(fullValue(0.123456789)).toBe('0.123456789');
  });

  it('shows sizes in binary units', () => {
    expect(formatBytes(25275990016)).toBe('23.5 GiB');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
  });

  it('formats environment fields by what they are', () => {
    expect(formatEnvironmentValue('memory_bytes', 25275990016)).toBe(
      '23.5 GiB'
    );
    expect(formatEnvironmentValue('gpus', ['A100', 'A100'])).toBe('A100, A100');
    expect(formatEnvironmentValue('git_commit', 'a'.repeat(40))).toBe(
      'a'.repeat(12)
    );
    expect(formatEnvironmentValue('cpu_count', 8)).toBe('8');
    expect(formatEnvironmentValue('git_dirty', false)).toBe('false');
  });
});
