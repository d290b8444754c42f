"""The API's routes under ``/v1``, one module per kind of caller: NCBs, NDTF reviewers, administrators."""
