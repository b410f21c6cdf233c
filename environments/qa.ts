import { defineEnvironment } from '../model';

/** QA: inter-system testing on production-like topology, policies warn. */
export default defineEnvironment({
  name: 'qa',
  cluster: { kind: 'generic', storageClass: 'standard', gatewayClass: 'kong' },
  domain: 'qa.acme.example',
  tlsIssuer: 'letsencrypt-staging',
  identityProvider: {
    issuer: 'https://id.qa.acme.example/realms/acme',
    jwksUri: 'https://id.qa.acme.example/realms/acme/protocol/openid-connect/certs',
    // The realm's public signing key: public by nature; Kong's open-source jwt plugin verifies with it.
    publicKey: `-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAru9y6ak+HUsOP5WepQ8h
JD3uVoDKy9NXlc+E/LPNS+COw8IYS3pHXB0knOJYSbXbErTisK7eWB0zeb6GboMS
WopA/8FpGUWXJWRH+jzle3laYaJJKap+ARjNMFdv3goD594cruxCy/GzCDBD1qdb
GYpWrf4opOZdvOTepO4FhmxTkSTVIB8Ow1YR3chouDUsARglinnzczjdHxEdGE51
mHa4/GEty38mO1Hh0FMpj+ap7rt4MmzCJt6gKvoA67+lT+cpgglxFETsmgF9tsYZ
ci7GhpRv1WZYgjHvgwv4zbpU7i8vgT9D/UKFDmuB859hfzf+0FPtpFxhgS4BL7T7
iQIDAQAB
-----END PUBLIC KEY-----
`,
  },
  mesh: {
    provider: 'istio',
    mtls: 'STRICT',
    // Pods pull only from the allowed registries; opa-envoy comes from the platform's mirror.
    opaImage: 'registry.acme.example/mirror/openpolicyagent/opa:1.22.2-envoy-static',
    // Every pod's sidecar; the namespace quotas count it at this size.
    proxyResources: { requests: { cpu: '50m', memory: '96Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
  },
  policy: { enforcement: 'warn', allowedRegistries: ['ghcr.io/acme/', 'registry.acme.example/'] },
  defaults: {
    replicas: 1,
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
  },
  database: { instances: 1, pooler: false },
  kafka: { cluster: 'events', namespace: 'kafka', replicas: 1, retentionHours: 72 },
});
