/* SPDX-License-Identifier: BSD-3-Clause */
/* A shared object without a behaviour descriptor: refused. */
int no_desc_answer(void);

int no_desc_answer(void)
{
	return 42;
}
