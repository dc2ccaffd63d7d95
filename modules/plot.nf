include { shellArgs } from 'plugin/nf-landscape'

/*
 * PLOT: every summary of the run → figures/ (aris, ids, clusters, overlap as .png/.svg), accuracy.csv and a
 * self-contained report.html. Label small; figure options from task.ext.args (conf/modules.config).
 */
process PLOT {
    label 'small'

    input:
    // one folder per summary: two runs may share a summary file name (a model's pretrained and fine-tuned runs
    // under --representations); landscape-plot tells them apart by their content
    path summaries, stageAs: 'summaries/?/*'

    output:
    path 'figures'     , emit: figures
    path 'versions.yml', emit: versions

    script:
    def args = shellArgs(task.ext.args)
    """
    # ${task.ext.tool ?: ''}: -resume re-runs this task when the tool's code changes (conf/modules.config)
    landscape-plot --stats summaries/* ${args} --out figures

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        landscape-plot: \$(landscape-plot --version 2>/dev/null | head -n 1 | sed 's/^[^0-9]*//')
    END_VERSIONS
    """

    stub:
    """
    # ${task.ext.tool ?: ''}: -resume re-runs this task when the tool's code changes (conf/modules.config)
    mkdir -p figures
    for f in aris ids clusters overlap; do touch figures/\$f.png figures/\$f.svg; done
    touch figures/accuracy.csv figures/report.html

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        landscape-plot: stub
    END_VERSIONS
    """
}
