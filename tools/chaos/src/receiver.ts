import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Delivery {
  event_id: string;
  event: string;
  job_id: string;
}

export interface WebhookReceiver {
  url: string;
  /** Every delivery that arrived, in order (a redelivery of an event appears again). */
  deliveries: Delivery[];
  close(): Promise<void>;
}

/** A callback endpoint that answers 204 to every delivery and keeps what it got. */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const deliveries: Delivery[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { event: string; event_id: string; job: { job_id: string } };
        deliveries.push({ event_id: body.event_id, event: body.event, job_id: body.job.job_id });
      } catch {
        /* counted by no one: a malformed delivery shows as a missing one */
      }
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    deliveries,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
