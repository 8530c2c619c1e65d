"""The caller as a Principal: kept in ``gridgov.http.principal``, re-exported here for the
API's routers."""

from gridgov.http.principal import PrincipalDep, current_principal

__all__ = ["PrincipalDep", "current_principal"]
