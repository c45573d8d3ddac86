import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatPorts, listPortInfo } from './ports.ts';

test('listPortInfo: USB ids as 4 lowercase hex digits, null for a non-USB port, sorted by path', async () => {
  const ports = await listPortInfo(async () => [
    { path: '/dev/ttyUSB0', vendorId: '0403', productId: '6001', manufacturer: 'FTDI', serialNumber: 'A1' },
    { path: '/dev/ttyACM0', vendorId: '303A', productId: '1001', manufacturer: 'Espressif' },
    { path: '/dev/ttyS0' },
  ]);
  assert.deepEqual(ports.map((p) => [p.path, p.vendorId, p.productId]), [
    ['/dev/ttyACM0', '303a', '1001'], ['/dev/ttyS0', null, null], ['/dev/ttyUSB0', '0403', '6001'],
  ]);
  const lines = formatPorts(ports);
  assert.match(lines[0], /^\/dev\/ttyACM0\s+303a:1001\s+Espressif\s+-$/);
  assert.match(lines[1], /^\/dev\/ttyS0\s+-\s+-\s+-$/);
  assert.match(formatPorts([])[0], /no serial ports found/);
});

test('listPortInfo: an OS that cannot enumerate is one typed error', async () => {
  await assert.rejects(listPortInfo(async () => { throw new Error('spawn udevadm ENOENT\nmore'); }),
    (e: Error & { code?: string }) => e.code === 'E_PORT_LIST' && e.message === 'cannot list serial ports: spawn udevadm ENOENT');
});
