#!/bin/bash
# sbatch deploy/slurm/mmreport-array.sh — one night over 8 array tasks, no coordination:
# task I processes the workbooks whose relative path hashes to I (of 8).
#SBATCH --job-name=mmreport
#SBATCH --array=0-7
#SBATCH --cpus-per-task=2
#SBATCH --mem=8G
#SBATCH --time=02:00:00
#SBATCH --output=mmreport-%A_%a.log
set -euo pipefail
exec mmreport run \
  --input /shared/mm/workbooks --output /shared/mm/reports \
  --config /shared/mm/site.toml \
  --shard "${SLURM_ARRAY_TASK_ID}/${SLURM_ARRAY_TASK_COUNT}"
