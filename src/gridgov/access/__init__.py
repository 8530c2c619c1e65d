"""Access: who may see and change what, below every domain that asks.

``principal`` (who is asking: Principal and Scope), ``roles`` (the role names and the
territory level each is held on and leads), ``policy`` (the POLICY table and its SQL
filter), ``providers`` (the household scopes of the OWN and CONTACT rules, registered by
the higher packages that own their data) and ``checks`` (403 unless a role may ever act;
one row or one NotFound). It imports ground, storage and territory only; loading a
principal from role assignments and posts is accounts' work (accounts.principal).
"""
