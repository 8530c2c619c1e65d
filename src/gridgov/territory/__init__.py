"""Territory: district > town > village > grid > unit, hierarchical codes, boundaries."""
