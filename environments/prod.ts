import { defineEnvironment } from '../model';

/** Production: highly available, backups and pooling, policies deny. */
export default defineEnvironment({
  name: 'prod',
  cluster: {
    kind: 'eks',
    // Nodes in three availability zones; replicas spread over them.
    zones: true,
    storageClass: 'gp3',
    gatewayClass: 'kong',
    loadBalancerAnnotations: {
      'service.beta.kubernetes.io/aws-load-balancer-type': 'nlb',
      'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internet-facing',
    },
  },
  // One environment, three regions: the GitOps output delivers the same manifests to each.
  clusters: [
    {
      name: 'prod-eu-west-1',
      server: 'https://prod-eu-west-1.k8s.acme.example',
      labels: { region: 'eu-west-1' },
    },
    {
      name: 'prod-us-east-1',
      server: 'https://prod-us-east-1.k8s.acme.example',
      labels: { region: 'us-east-1' },
    },
    {
      name: 'prod-ap-southeast-1',
      server: 'https://prod-ap-southeast-1.k8s.acme.example',
      labels: { region: 'ap-southeast-1' },
    },
  ],
  domain: 'acme.example',
  tlsIssuer: 'letsencrypt-prod',
  identityProvider: {
    issuer: 'https://id.acme.example/realms/acme',
    jwksUri: 'https://id.acme.example/realms/acme/protocol/openid-connect/certs',
    // The realm's public signing key: public by nature; Kong's open-source jwt plugin verifies with it.
    publicKey: `-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAo3UgXUWD5W8TofW9RgmJ
gx75PsFTLVIIRyBpEsZVRKOtbg2pbwqygAHDCpBj+VKhRV5LdPzfu7XMvh3l6LR9
ZwwDH/uBXFEEvLtdR+ZitQydq4+lMfpXsSLkebxbhnNKIxSOIuaGG/ZqUzoQ/JFw
hQPJ8cLkjqnEbIcRlGlWNfBdHzcLDoBGZuLOp0fpY9VG2RglBRdGCFp8+6qkbNLJ
b1Tna1F1vg+GaIW6ExC8qQ/FnIpEzskI40rjZDWjYAjEK/H5CrjP71ub7Kza2WVj
UIZlaraqlRhbxA1O6qlAUMD2ProIW2UODEEbQybkFwZo+w0VAFG0CmnHEpluOO1m
3wIDAQAB
-----END PUBLIC KEY-----
`,
  },
  mesh: {
    provider: 'istio',
    mtls: 'STRICT',
    // Pods pull only from the allowed registries; opa-envoy comes from the platform's mirror.
    opaImage:
      'registry.acme.example/mirror/openpolicyagent/opa:1.22.2-envoy-static@sha256:6fa7956abe939f8f58bbafa12a1035779a62d37098b819d2152def061af3e36e',
    // Every pod's sidecar; the namespace quotas count it at this size.
    proxyResources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '512Mi' } },
  },
  policy: {
    enforcement: 'deny',
    allowedRegistries: ['registry.acme.example/'],
    // A version tag can be moved by anyone who can push; production runs exactly what was reviewed.
    requireDigests: true,
  },
  defaults: {
    replicas: 3,
    resources: { requests: { cpu: '500m', memory: '512Mi' }, limits: { cpu: '2', memory: '2Gi' } },
  },
  database: {
    instances: 3,
    pooler: true,
    backup: {
      destinationPath: 's3://acme-prod-db-backups/',
      endpointUrl: 'https://s3.eu-west-1.amazonaws.com',
      retentionDays: 30,
      credentialsSecret: 'db-backup-credentials',
    },
  },
  kafka: { cluster: 'events', namespace: 'kafka', replicas: 3, retentionHours: 168, minPartitions: 3 },
});
