/** The mlx-jobs CLI (bin/mlx-jobs runs this file, or its compiled copy in an installed package). */
import { runCliProcess } from './cli/main';

runCliProcess(process.argv.slice(2));
