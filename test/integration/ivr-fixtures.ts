// The IVR routes in the real API app over loopback HTTP, for the IVR API tests.
import { Pool } from 'undici';
import type { Db } from '../../src/db/pool.js';
import { ivrRoutes } from '../../src/ivr/routes.js';
import { bearer, testApp, testConfig } from './api-fixtures.js';

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface ApiResponse {
  status: number;
  body: any; // the JSON as the API sent it
  headers: Record<string, unknown>;
}

export interface IvrApi {
  http: Pool;
  call(method: Method, path: string, body: unknown, key: string): Promise<ApiResponse>;
  close(): Promise<void>;
}

export async function startIvrApi(db: Db): Promise<IvrApi> {
  const config = testConfig({ ivr: { secrets: { 'crm-token': { value: 'Bearer s3cret', hosts: ['crm.example.com'] } }, sorryMedia: 'sound:sorry', promptMaxSeconds: 60 } });
  const { app } = await testApp(db, { config, routes: [{ plugin: ivrRoutes, opts: { db, config } }] });
  const http = new Pool(await app.listen({ host: '127.0.0.1', port: 0 }));
  return {
    http,
    async call(method, path, body, key) {
      const res = await http.request({
        method,
        path,
        headers: { ...bearer(key), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        body: body !== undefined ? JSON.stringify(body) : undefined,
      });
      const text = await res.body.text();
      return { status: res.statusCode, body: text ? JSON.parse(text) : undefined, headers: res.headers };
    },
    async close() {
      await http.close();
      await app.close();
    },
  };
}
