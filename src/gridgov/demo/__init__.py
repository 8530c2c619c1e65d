"""The demo island: a Meizhou-like island generated from a seed, and its loading.

``island`` (land, villages, settlements), ``division`` (grids and units), ``people``
(households' members) and ``generate`` (all of it as plain data) are pure; ``load``
writes it through the real actions and the importer.
"""
