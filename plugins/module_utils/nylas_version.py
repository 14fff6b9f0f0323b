# -*- coding: utf-8 -*-
# Copyright (c) 2026, nylas.migration contributors
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""The collection's version, for the User-Agent: the only place in Python that states it.

It must equal ``version:`` in ``galaxy.yml`` (a unit test checks that).
"""

from __future__ import annotations

COLLECTION_VERSION = "0.1.0"

__all__ = ["COLLECTION_VERSION"]
