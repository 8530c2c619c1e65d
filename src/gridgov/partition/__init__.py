"""Grid division: the engine and the plans that apply it.

The engine is pure (arrays in, arrays out; no database or web code): ``algorithm.divide``
over ``division`` types within ``constraints``. Importing this package loads nothing heavy:
numpy, scipy and shapely load with the engine's modules, when a division runs. Plans
(``plans``, ``apply``, ``queries``) keep divisions in the database and apply them.
"""
