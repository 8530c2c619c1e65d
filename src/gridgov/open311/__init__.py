"""Open311 GeoReport v2: services are case categories, requests are cases."""
