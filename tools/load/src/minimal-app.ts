/**
 * The baseline of `pnpm load`: the smallest honest Express + Bull job API, on
 * the same express, bull and ioredis versions as apps/api. A submit stores the
 * job as a hash and enqueues it; a GET reads the hash back. No auth, no
 * validation, no progress, no signed URLs, no logging: what vidgen's API
 * is measured against (issue 21). Keep this file fixed: changing it moves
 * every ratio ever reported against it.
 *
 * Run as its own process, like the API: node minimal-app.js --port <n> --redis <url> --prefix <prefix>
 * It prints "listening <port>" once it accepts connections and exits on SIGTERM.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import Queue from 'bull';
import express from 'express';
import Redis from 'ioredis';

const { values } = parseArgs({ options: { port: { type: 'string' }, redis: { type: 'string' }, prefix: { type: 'string' } } });
const port = Number(values.port ?? 0);
const redisUrl = values.redis ?? 'redis://127.0.0.1:6379';
const prefix = values.prefix ?? 'minimal';

const redis = new Redis(redisUrl);
const queue = new Queue<{ id: string }>('minimal', redisUrl, { prefix });
// Not under `${prefix}:minimal:`, where Bull keeps its own job hashes.
const key = (id: string) => `${prefix}:record:${id}`;

const app = express();
app.use(express.json());

app.post('/jobs', async (req, res) => {
  const id = randomUUID();
  const now = new Date().toISOString();
  await redis.hset(key(id), { id, status: 'queued', body: JSON.stringify(req.body), created_at: now });
  await queue.add({ id }, { jobId: id, removeOnComplete: true });
  res.status(202).json({ id, status: 'queued' });
});

app.get('/jobs/:id', async (req, res) => {
  const h = await redis.hgetall(key(req.params.id));
  if (!h.id) {
    res.status(404).json({ error: 'not found' });
    return;
  }
  res.json({ id: h.id, status: h.status, body: JSON.parse(h.body ?? 'null'), created_at: h.created_at });
});

const server = app.listen(port, '127.0.0.1', () => {
  const address = server.address();
  console.log(`listening ${typeof address === 'object' && address ? address.port : port}`);
});

process.once('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  void queue.close().finally(() => {
    redis.disconnect();
    process.exit(0);
  });
});
