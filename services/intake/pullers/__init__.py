"""Pullers for sources that do not push: TikTok comments, the X stream, remote Open311, news."""
