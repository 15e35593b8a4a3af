// The PBX nodes the bridge drives: a JSON list, or one node from the AMI_* / ARI_* variables.
import envSchema from 'env-schema';
import { Type, type Static } from 'typebox';
import { ConfigError } from './error.js';

/** The variables the node list is read from. */
export interface PbxNodeVars {
  PBX_NODES?: string;
  PBX_ID: string;
  AMI_HOST: string;
  AMI_PORT: number;
  AMI_USER: string;
  AMI_SECRET?: string;
  ARI_URL: string;
  ARI_USER: string;
  ARI_PASSWORD?: string;
  ARI_APP: string;
}

const PbxNodeSchema = Type.Object(
  {
    id: Type.String({ pattern: '^[A-Za-z0-9_-]+$' }),
    ami: Type.Object(
      {
        host: Type.String({ minLength: 1 }),
        port: Type.Integer({ minimum: 1, maximum: 65535 }),
        user: Type.String({ minLength: 1 }),
        secret: Type.String({ minLength: 1 }),
      },
      { additionalProperties: false },
    ),
    ari: Type.Object(
      {
        url: Type.String({ pattern: '^https?://' }),
        user: Type.String({ minLength: 1 }),
        password: Type.String({ minLength: 1 }),
        app: Type.String({ pattern: '^[A-Za-z0-9_.-]+$' }),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type PbxNodeConfig = Static<typeof PbxNodeSchema>;

export function parsePbxNodes(env: PbxNodeVars): PbxNodeConfig[] {
  if (env.PBX_NODES === undefined || env.PBX_NODES.trim() === '') {
    if (!env.AMI_SECRET) throw new ConfigError('AMI_SECRET is required (or configure PBX_NODES)');
    if (!env.ARI_PASSWORD) throw new ConfigError('ARI_PASSWORD is required (or configure PBX_NODES)');
    return [
      {
        id: env.PBX_ID,
        ami: { host: env.AMI_HOST, port: env.AMI_PORT, user: env.AMI_USER, secret: env.AMI_SECRET },
        ari: { url: env.ARI_URL, user: env.ARI_USER, password: env.ARI_PASSWORD, app: env.ARI_APP },
      },
    ];
  }
  let raw: unknown;
  try {
    raw = JSON.parse(env.PBX_NODES);
  } catch {
    throw new ConfigError('PBX_NODES is not valid JSON');
  }
  if (!Array.isArray(raw) || raw.length === 0) throw new ConfigError('PBX_NODES must be a non-empty JSON array');
  const nodes: PbxNodeConfig[] = [];
  raw.forEach((node, i) => {
    // Validate with env-schema's own Ajv through a tiny wrapper so messages name the field.
    try {
      envSchema({ schema: Type.Object({ node: PbxNodeSchema }), data: { node }, dotenv: false });
    } catch (err) {
      throw new ConfigError(`PBX_NODES[${i}] ${(err as Error).message.replace(/^env\/node/, '')}`);
    }
    nodes.push(node as PbxNodeConfig);
  });
  const ids = new Set(nodes.map((n) => n.id));
  if (ids.size !== nodes.length) throw new ConfigError('PBX_NODES ids must be unique');
  return nodes;
}
