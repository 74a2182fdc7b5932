"""志愿服务记录证明: service-record certificates with verifiable serials (docs/certificates.md)."""
