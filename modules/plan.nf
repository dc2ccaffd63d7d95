include { shellArgs } from 'plugin/nf-landscape'

/*
 * PLAN: where one model's layers go on GPUs and how much memory each needs (landscape-extract plan --json), made
 * from config.json and the safetensors headers only: no weight is read, no GPU is needed, and it takes about a
 * second. Run only with --gpus_per_extract auto; its plan.json sets the GPUs of the model's EXTRACT jobs (plugin
 * planGpus). Label small. The plan's options (GPU, dtype, budgets, --device-memory) come from task.ext.args.
 * A model that fits on no number of GPUs fails here with the plan's one-line reason (exit 1), before any EXTRACT.
 *
 * The model is staged under a fixed name (model): a folder's name never reaches the script.
 */
process PLAN {
    tag "${meta.model}"
    label 'small'

    input:
    tuple val(meta), path(model, stageAs: 'model')

    output:
    tuple val(meta), path('plan.json'), emit: json
    path 'versions.yml'               , emit: versions

    script:
    def args = shellArgs(task.ext.args)
    """
    # ${task.ext.tool ?: ''}: -resume re-runs this task when the tool's code changes (conf/modules.config)
    export LANDSCAPE_JAVA_OPTS="${task.ext.java_opts ?: ''} \${LANDSCAPE_JAVA_OPTS:-}"
    landscape-extract plan \\
        --model "\$(readlink -f model)" \\
        ${args} \\
        --json > plan.json

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        landscape-extract: \$(landscape-extract --version 2>/dev/null | head -n 1 | sed 's/^[^0-9]*//')
    END_VERSIONS
    """

    // the plan itself, as in the script: it reads only headers, so a stub run (-stub-run) requests the GPUs a
    // real run would, and a model that fits nowhere stops it the same way
    stub:
    def args = shellArgs(task.ext.args)
    """
    # ${task.ext.tool ?: ''}: -resume re-runs this task when the tool's code changes (conf/modules.config)
    landscape-extract plan --model "\$(readlink -f model)" ${args} --json > plan.json

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        landscape-extract: stub
    END_VERSIONS
    """
}
