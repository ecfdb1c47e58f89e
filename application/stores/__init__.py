"""The stores: a contract (:mod:`.contract`) and one module per backend.

:mod:`.memory` (unit tests), :mod:`.sqlite` (the embedded default) and
:mod:`.postgres` (shared deployments, needs the ``postgres`` extra) each hold
the planning recorder and the infrastructure factory of their backend; the
outbox recorders sit beside them (:mod:`.sqlite_delivery`,
:mod:`.postgres_delivery`), and so do the locks (:mod:`.lockfiles`,
:mod:`.postgres_locks`). The persistence URL chooses the factory
(:mod:`..persistence`), so a backend's module is imported only when used.
"""
