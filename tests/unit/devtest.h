/* tests/unit/devtest.h - running one SCSI command against a struct sim_dev, shared by
 * the device and MMC test suites. */
#ifndef DEVTEST_H
#define DEVTEST_H

#include <stdint.h>
#include <string.h>

#include "scsi.h"

/* Data-in command (edtl bytes expected); the caller releases cmd. */
static inline void devtest_run(struct sim_dev *dev, uint64_t nexus, uint16_t lun,
			       struct sim_cmd *cmd, const uint8_t *cdb, size_t cdb_len,
			       uint32_t edtl)
{
	memset(cmd, 0, sizeof(*cmd));
	cmd->nexus = nexus;
	cmd->lun = lun;
	memcpy(cmd->cdb, cdb, cdb_len);
	cmd->cdb_len = (uint8_t)cdb_len;
	cmd->edtl = edtl;
	cmd->dir_in = edtl > 0;
	sim_dev_execute(dev, cmd);
}

/* Data-out command with len bytes of data; the caller releases cmd. */
static inline void devtest_run_out(struct sim_dev *dev, uint64_t nexus, uint16_t lun,
				   struct sim_cmd *cmd, const uint8_t *cdb, size_t cdb_len,
				   const uint8_t *data, uint32_t len)
{
	memset(cmd, 0, sizeof(*cmd));
	cmd->nexus = nexus;
	cmd->lun = lun;
	memcpy(cmd->cdb, cdb, cdb_len);
	cmd->cdb_len = (uint8_t)cdb_len;
	cmd->edtl = len;
	cmd->dir_out = len > 0;
	cmd->data_out = data;
	cmd->data_out_len = len;
	sim_dev_execute(dev, cmd);
}

#endif
