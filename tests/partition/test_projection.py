import numpy as np

from gridgov.partition.projection import LocalFrame


def test_metres_round_trip_and_scale():
    frame = LocalFrame(119.1, 25.1)
    lon, lat = np.array([119.1, 119.2, 119.1]), np.array([25.1, 25.1, 25.2])
    xy = frame.to_metres(lon, lat)
    assert np.allclose(xy[0], [0, 0])
    # a tenth of a degree of latitude is ~11.1 km; of longitude ~11.1 km x cos(25.1°)
    assert abs(xy[2, 1] - 11_119.5) < 1.0
    assert abs(xy[1, 0] - 11_119.5 * np.cos(np.radians(25.1))) < 1.0
    back = frame.to_degrees(xy)
    assert np.allclose(back, np.column_stack([lon, lat]), atol=1e-12)


def test_frame_around_points_is_their_mean():
    frame = LocalFrame.around(np.array([100.0, 102.0]), np.array([10.0, 20.0]))
    assert (frame.lon0, frame.lat0) == (101.0, 15.0)
