import { defineEnvironment } from '../model';

/** Development: one replica, small pods, policies audited (dryrun) so teams see violations early. */
export default defineEnvironment({
  name: 'dev',
  cluster: { kind: 'kind', storageClass: 'standard', gatewayClass: 'kong' },
  domain: 'dev.acme.example',
  tlsIssuer: 'selfsigned-dev',
  identityProvider: {
    issuer: 'https://id.dev.acme.example/realms/acme',
    jwksUri: 'https://id.dev.acme.example/realms/acme/protocol/openid-connect/certs',
    // The realm's public signing key: public by nature; Kong's open-source jwt plugin verifies with it.
    publicKey: `-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAuFHdJvi3pS6u6YpFYcAR
WV3tbvr6LgMXDo+mixbTzpf6yPNELt1Vxzkx+/5Rh9q0ycQ6vgADn7swgYH/OhUQ
psRmGpOU1l6yekEuaLIup4H3GmAL8xcGgrvyQdPJJRIEwp04vjFkDdrYCCEHW7CD
GuitVMdtw/x4uV9wQyW9wyqWDIZbsW+wqpEGWcxcMtMcCg+X1deWoxSkewzxfb/o
APyUZBUZbD22QQa5MNjImh1tVtkhDh5hBZS4OGanUp44xQigKzmFdwoUrNZ3asyZ
0gDvMncCx+cnhmKt7r1zVYIFDcFjrz0NTDHZxqd6ZKQiOZzZVBDyRGfASfRKoZZb
BwIDAQAB
-----END PUBLIC KEY-----
`,
  },
  mesh: {
    provider: 'istio',
    mtls: 'STRICT',
    // Pods pull only from the allowed registries; opa-envoy comes from the platform's mirror.
    opaImage: 'registry.acme.example/mirror/openpolicyagent/opa:1.22.2-envoy-static',
    // Every pod's sidecar; the namespace quotas count it at this size.
    proxyResources: { requests: { cpu: '25m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
  },
  policy: { enforcement: 'dryrun', allowedRegistries: ['ghcr.io/acme/', 'registry.acme.example/'] },
  defaults: {
    replicas: 1,
    resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '250m', memory: '256Mi' } },
  },
  database: { instances: 1, pooler: false },
  kafka: { cluster: 'events', namespace: 'kafka', replicas: 1, retentionHours: 24 },
});
