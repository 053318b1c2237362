"""The loop that keeps a model good in production: promotion gates, serving checks, monitoring."""
