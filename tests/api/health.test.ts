import request from 'supertest';
import { createDb } from '../../core/db/connection';
import { migrate } from '../../core/db/migrator';
import { createContext } from '../../core/compose';
import { describeEachDb, freshDatabase, MYSQL_URL } from '../helpers/db';
import { testApp } from '../helpers/app';
import { TcpProxy } from '../helpers/tcp-proxy';

describeEachDb('/healthz', (h) => {
  it('is 200 with the database reachable', async () => {
    const { app } = await testApp(h.ctx);
    const res = await request(app.callback()).get('/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ok', database: { dialect: h.dialect, reachable: true } });
  });
});

(MYSQL_URL ? describe : describe.skip)('/healthz when MySQL goes away [mysql]', () => {
  it('answers 503 while the database is down and 200 again once it is back, without a restart', async () => {
    const tdb = await freshDatabase('mysql');
    const target = new URL(tdb.url);
    const proxy = new TcpProxy(target.hostname, Number(target.port || 3306));
    await proxy.start();
    const viaProxy = new URL(tdb.url);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    const db = createDb(viaProxy.toString());
    try {
      await migrate(db);
      const { app } = await testApp(createContext(db));
      const server = app.callback();
      expect((await request(server).get('/healthz')).status).toBe(200);

      await proxy.cut();
      const down = await request(server).get('/healthz');
      expect(down.status).toBe(503);
      expect(down.body).toEqual({ status: 'unavailable', database: { dialect: 'mysql', reachable: false } });

      await proxy.restore();
      let status = 0;
      for (let i = 0; i < 20 && status !== 200; i++) {
        status = (await request(server).get('/healthz')).status;
        if (status !== 200) await new Promise((r) => setTimeout(r, 100));
      }
      expect(status).toBe(200);
    } finally {
      await proxy.cut();
      await db.close().catch(() => undefined);
      await tdb.drop();
    }
  }, 30_000);
});
