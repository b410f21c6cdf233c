import { defineEnvironment } from '../model';

/** Staging: prod-like sizes and backups for load, chaos and acceptance tests; policies deny. */
export default defineEnvironment({
  name: 'staging',
  cluster: {
    kind: 'eks',
    // Nodes in three availability zones; replicas spread over them.
    zones: true,
    storageClass: 'gp3',
    gatewayClass: 'kong',
    loadBalancerAnnotations: { 'service.beta.kubernetes.io/aws-load-balancer-type': 'nlb' },
  },
  clusters: [
    { name: 'staging', server: 'https://staging.k8s.acme.example', labels: { region: 'eu-west-1' } },
  ],
  domain: 'staging.acme.example',
  tlsIssuer: 'letsencrypt-prod',
  identityProvider: {
    issuer: 'https://id.staging.acme.example/realms/acme',
    jwksUri: 'https://id.staging.acme.example/realms/acme/protocol/openid-connect/certs',
    // The realm's public signing key: public by nature; Kong's open-source jwt plugin verifies with it.
    publicKey: `-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAussScS/xYCCzK2J/kDjv
LaBNxL+coyebK1lW1YB5bpwEFM+QItQseTCE7oR9Mm8jjRh0J+duvV1WMtpAcEBY
iBL3erOx85OvSpIRf/d97G0GNtyT89SrT8V67ku7Dr55C9EjDo2rrfCf0lsubwlI
5ziBaTNnR59eI/35SYbf8k1eNabC/x0mWHouwEUgIyawMdOxeuBR5hGOcd3kexZi
rKUYsTr0dmvaNOr+S4eyQdM8c8GQFKMTEfX9BqLIAewtk4n30gSYFTKnC8OK5sKn
j10f5OlAo5DKqcfWwBlvYsriC7f5PxutK1UoXr+I+V+YwRboo+famzFoYuZnKLpC
wQIDAQAB
-----END PUBLIC KEY-----
`,
  },
  mesh: {
    provider: 'istio',
    mtls: 'STRICT',
    // Pods pull only from the allowed registries; opa-envoy comes from the platform's mirror.
    opaImage: 'registry.acme.example/mirror/openpolicyagent/opa:1.22.2-envoy-static',
    // Every pod's sidecar; the namespace quotas count it at this size.
    proxyResources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '512Mi' } },
  },
  policy: { enforcement: 'deny', allowedRegistries: ['registry.acme.example/'] },
  defaults: {
    replicas: 2,
    resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1', memory: '1Gi' } },
  },
  database: {
    instances: 2,
    pooler: false,
    backup: {
      destinationPath: 's3://acme-staging-db-backups/',
      endpointUrl: 'https://s3.eu-west-1.amazonaws.com',
      retentionDays: 7,
      credentialsSecret: 'db-backup-credentials',
    },
  },
  kafka: { cluster: 'events', namespace: 'kafka', replicas: 3, retentionHours: 72, minPartitions: 3 },
});
