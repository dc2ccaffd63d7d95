/*
 * MAKE_TINY_MODEL: a random-weight Llama in the Hugging Face layout (config.json, model.safetensors,
 * tokenizer.json) for the test profile and the demo. Shape and seed come from task.ext.args (conf/test.config).
 */
process MAKE_TINY_MODEL {
    tag "${name}"
    label 'cpu'
    label 'small'

    input:
    val name

    output:
    tuple val(name), path("${name}"), emit: model
    path 'versions.yml'             , emit: versions

    script:
    def args = task.ext.args ?: ''
    """
    landscape-extract make-tiny-model --out ${name} ${args}

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        landscape-extract: \$(landscape-extract --version 2>/dev/null | head -n 1 | sed 's/^[^0-9]*//')
    END_VERSIONS
    """

    stub:
    """
    mkdir -p ${name}
    echo '{"architectures": ["LlamaForCausalLM"], "num_hidden_layers": 4}' > ${name}/config.json
    echo '{}' > ${name}/tokenizer.json
    touch ${name}/model.safetensors

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        landscape-extract: stub
    END_VERSIONS
    """
}
