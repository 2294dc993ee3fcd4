"""Berdaya: sistem informasi pembinaan koperasi dan UMKM."""

__version__ = "0.1.0"
