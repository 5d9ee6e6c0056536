"""SiamRPN++-family Siamese trackers (pysot layout) with rgb / ir / fused input modes. Imports neither ``fusion`` nor ``rgbt_track``."""
