include { shellArgs; shellQuote } from 'plugin/nf-landscape'

/*
 * SUMMARIZE: the per-layer stats of one (model, shots) run → summary-<model>-<k>shot.json and .csv
 * (one row per layer), the input of PLOT. Label small.
 */
process SUMMARIZE {
    tag "${meta.model} ${meta.shots}shot"
    label 'small'

    input:
    tuple val(meta), path(stats, stageAs: 'stats/*')

    output:
    tuple val(meta), path('summary/summary-*.json'), emit: json
    tuple val(meta), path('summary/summary-*.csv') , emit: csv
    path 'versions.yml'                            , emit: versions

    script:
    def args = shellArgs(task.ext.args)
    """
    # ${task.ext.tool ?: ''}: -resume re-runs this task when the tool's code changes (conf/modules.config)
    landscape-analyze summarize --stats 'stats/*.json' ${args} --out summary

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        landscape-analyze: \$(landscape-analyze --version 2>/dev/null | head -n 1 | sed 's/^[^0-9]*//')
    END_VERSIONS
    """

    stub:
    def name = "summary-${meta.model}-${meta.shots as int}shot"
    """
    # ${task.ext.tool ?: ''}: -resume re-runs this task when the tool's code changes (conf/modules.config)
    mkdir -p summary
    printf '{"model": "%s", "shots": %s, "layers": []}\\n' ${shellQuote(meta.model)} ${meta.shots as int} > summary/${shellQuote(name + '.json')}
    echo layer > summary/${shellQuote(name + '.csv')}

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        landscape-analyze: stub
    END_VERSIONS
    """
}
