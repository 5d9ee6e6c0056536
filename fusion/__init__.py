"""RFN-Nest infrared/visible image fusion (Li, Wu, Kittler). Imports neither ``trackers`` nor ``rgbt_track``."""
