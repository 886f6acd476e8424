import { spawn } from 'node:child_process';
import net from 'node:net';

/**
 * The machine's cost of one request/answer between two processes over loopback TCP (Nagle off): the floor under
 * every database round trip and HTTP request a scenario makes. Recorded beside each result so absolute figures
 * from different machines can be told apart: virtual machines of the same size differ several-fold here
 * (seen: 134 µs on one, where ~30 µs is usual), and a claim storm or a 360 view is mostly round trips.
 * Median of `n` round trips of 100 bytes to an echo server in a child process.
 */
export async function processRoundTripMicros(n = 2000): Promise<number> {
  const echo = "const s=require('net').createServer(c=>{c.setNoDelay(true);c.on('data',d=>c.write(d))}).listen(0,'127.0.0.1',()=>console.log(s.address().port))";
  const child = spawn(process.execPath, ['-e', echo], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout.once('data', (d: Buffer) => resolve(Number(String(d).trim())));
      child.once('error', reject);
    });
    const socket = net.connect(port, '127.0.0.1');
    socket.setNoDelay(true);
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const payload = Buffer.alloc(100, 120);
    const samples: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = process.hrtime.bigint();
      await new Promise<void>((resolve) => {
        let got = 0;
        const onData = (d: Buffer) => {
          got += d.length;
          if (got >= payload.length) {
            socket.off('data', onData);
            resolve();
          }
        };
        socket.on('data', onData);
        socket.write(payload);
      });
      samples.push(Number(process.hrtime.bigint() - t0) / 1000);
    }
    socket.destroy();
    samples.sort((a, b) => a - b);
    return samples[Math.floor(samples.length / 2)];
  } finally {
    child.kill();
  }
}
