/** Hugging Face hub cache folders (models--Org--Name, snapshots, links into blobs/), resolved by one rule. */
package landscape.core.hub;
